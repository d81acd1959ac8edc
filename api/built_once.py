"""Serializers whose fields are built once per class rather than once per instance.

DRF gives every serializer instance fields of its own, made afresh each time: a serializer
deep-copies its declared fields (a field's copy runs its ``__init__`` again, with deep
copies of its arguments), and a model serializer then builds the rest from its model, field
by field. For one answer that is most of the serializer's cost (for a referral's 43
fields, far more than shaping the answer). ``BuiltOnce`` asks DRF for the fields
once per class and gives each instance shallow copies of them: objects of its own, which
DRF binds to it (name, parent, source) as it binds its own copies, so that a method field
still asks its own serializer and context. The originals are never bound nor used, so a
copy starts as DRF's would: a nested serializer's copy builds its own fields when first
asked, bound to the copy; a list's child (and a to-many relation's) is copied with it and
made the copy's own.

Only for serializers whose fields do not depend on the instance, the data or the context
(no ``get_fields`` of their own): every instance gets what the first one was given.
"""

# The attributes where a field keeps a field of its own, bound to it as it is made:
# ListField, DictField and a serializer's many=True list (child), a to-many relation
# (child_relation).
_INNER = ("child", "child_relation")


def _copy(field):
    # What copy.copy does for a field (its __dict__ in a new object), without the pickle
    # protocol's detour.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    for attribute in _INNER:
        inner = field.__dict__.get(attribute)
        if inner is not None:
            inner = _copy(inner)
            # As bound when made (field name "", so the same label and source): to the copy.
            inner.parent = clone
            clone.__dict__[attribute] = inner
    return clone


class BuiltOnce:
    def get_fields(self):
        cls = type(self)
        # The class's own: a subclass declaring more fields builds its own set.
        built = cls.__dict__.get("_built_once")
        if built is None:
            built = super().get_fields()
            cls._built_once = built
        return {name: _copy(field) for name, field in built.items()}
