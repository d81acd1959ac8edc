import datetime
import itertools

import factory

from partners.models import Area, Organisation, OrganisationType, User
from partners.services import membership_create, organisation_create
from referrals.services import person_create

_sequence = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("correct horse battery staple")


def make_organisation(
    *, name=None, organisation_type=OrganisationType.SCHOOL, area=Area.DURHAM
) -> Organisation:
    n = next(_sequence)
    return organisation_create(
        name=name or f"Organisation {n}",
        code=f"org-{n}",
        organisation_type=organisation_type,
        area=area,
        actor=None,
    )


def make_member(organisation: Organisation, role: str, **user_fields) -> User:
    user = UserFactory(**user_fields)
    membership_create(user=user, organisation=organisation, role=role, actor=None)
    return user


def make_person(actor: User, **overrides):
    details = {
        "given_name": "Jordan",
        "family_name": "Fletcher",
        "date_of_birth": datetime.date(2011, 3, 14),
        "gender": "male",
        "postcode": "DH1 3LE",
    }
    details.update(overrides)
    return person_create(actor=actor, **details)
