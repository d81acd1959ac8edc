from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from partners.models import Membership, Organisation, User

admin.site.register(User, UserAdmin)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "organisation_type", "area", "active"]
    list_filter = ["organisation_type", "area", "active"]
    readonly_fields = ["group"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "started_at", "ended_at"]
    list_filter = ["role", "organisation"]
    # Memberships change through partners.services so that group membership stays in step.
    readonly_fields = ["user", "organisation", "role", "started_at", "ended_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
