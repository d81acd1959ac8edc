"""Fields built once per serializer class: each instance still has fields of its own."""

from rest_framework import serializers

from api.built_once import BuiltOnce


class Inner(BuiltOnce, serializers.Serializer):
    name = serializers.CharField()


class Shape(BuiltOnce, serializers.Serializer):
    code = serializers.ChoiceField(choices=["a", "b"])
    tags = serializers.ListField(child=serializers.ChoiceField(choices=["x", "y"]))
    inner = Inner()
    seen_by = serializers.SerializerMethodField()

    def get_seen_by(self, obj) -> str:
        return self.context["viewer"]


def test_each_instance_has_its_own_fields_bound_to_it():
    first, second = Shape(context={"viewer": "one"}), Shape(context={"viewer": "two"})

    for name in ("code", "tags", "inner", "seen_by"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
    assert first.fields["tags"].child is not second.fields["tags"].child
    assert second.fields["tags"].child.parent is second.fields["tags"]
    assert second.fields["inner"].fields["name"].parent is second.fields["inner"]
    assert second.fields["inner"].fields["name"].root is second


def test_a_method_field_asks_its_own_serializer_and_context():
    row = {"code": "a", "tags": ["x"], "inner": {"name": "n"}}

    assert Shape(row, context={"viewer": "one"}).data["seen_by"] == "one"
    assert Shape(row, context={"viewer": "two"}).data["seen_by"] == "two"


def test_validation_is_drfs_own():
    good = Shape(data={"code": "a", "tags": ["x", "y"], "inner": {"name": "n"}})
    bad = Shape(data={"code": "c", "tags": ["z"], "inner": {}})

    assert good.is_valid(), good.errors
    assert good.validated_data["tags"] == ["x", "y"]
    assert not bad.is_valid()
    assert set(bad.errors) == {"code", "tags", "inner"}
    assert "name" in bad.errors["inner"]
