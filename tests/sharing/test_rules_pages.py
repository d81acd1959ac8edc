"""IG reviews the rule table: ``GET /api/v1/sharing-rules/`` and the Sharing rules page, in
labels and citations; coordinators read them too; nobody else does."""

import pytest

from sharing.rules import RULES

pytestmark = pytest.mark.django_db

API = "/api/v1/sharing-rules/"
PAGE = "/sharing/rules/"


@pytest.mark.parametrize("who", ["ig_officer", "coordinator"])
def test_ig_and_coordinators_read_the_rules_with_their_citations(api, request, who):
    response = api(request.getfixturevalue(who)).get(API)
    assert response.status_code == 200
    body = response.json()
    assert [rule["id"] for rule in body] == [rule.id for rule in RULES]
    s115 = next(rule for rule in body if rule["id"] == "cda-s115")
    assert "Voluntary sector" not in s115["recipient_labels"]
    assert "Police" in s115["recipient_labels"]
    layers = {}
    for gateway in s115["gateways"]:
        layers[gateway["layer"]] = layers.get(gateway["layer"], "") + gateway["citation"]
    assert "UK GDPR Article 6(1)(e)" in layers["article_6"]
    assert "UK GDPR Article 6(1)(f)" in layers["article_6"]
    assert "Schedule 1 paragraph 10" in layers["article_9"]
    assert "s.10(5)" in layers["article_10"]
    assert "DPA 2018 s.31" in layers["part_3"]
    assert "Crime and Disorder Act 1998 s.115(1)" in layers["power"]
    s16 = next(rule for rule in body if rule["id"] == "svd-s16")
    assert "Health" not in s16["data_category_labels"]
    assert any("s.16(4)(a)" in limit for limit in s16["limits"])


@pytest.mark.parametrize(
    "who", ["school_caseworker", "analyst", "provider_keyworker", "panel_member"]
)
def test_anyone_else_is_refused(api, client, request, who):
    user = request.getfixturevalue(who)
    assert api(user).get(API).status_code == 403
    client.force_login(user)
    assert client.get(PAGE).status_code == 403


def test_someone_not_signed_in_is_refused(api, client):
    assert api().get(API).status_code in (401, 403)
    assert client.get(PAGE).status_code == 302


def test_the_page_lists_each_rule_in_words(client, ig_officer):
    client.force_login(ig_officer)
    page = client.get(PAGE).content.decode()
    for rule in RULES:
        assert rule.title.replace("'", "&#x27;") in page
    assert "Crime and Disorder Act 1998 s.115(1)" in page
    assert "Children only (under 18)" in page
    assert "Voluntary sector" in page
    assert "intervention_delivery" not in page
