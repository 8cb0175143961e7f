"""API: who the caller is; people in bulk."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.import_files import COLUMN_LABELS, MAX_ROWS
from org.imports import password_links_send, people_import
from org.models import Role
from org.selectors import landing_url, user_role, viewer_for_user


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    employee_no = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    landing_url = serializers.CharField()


class MeApi(APIView):
    """The signed-in user's name, role, team and landing page."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        viewer = viewer_for_user(request.user)
        employee = viewer.employee
        data = {
            "username": request.user.get_username(),
            "name": viewer.name,
            "role": viewer.role.value if viewer.role else None,
            "employee_no": employee.employee_no if employee else None,
            "team": viewer.team.name if viewer.team else None,
            "level": employee.level if employee else None,
            "landing_url": landing_url(viewer.role),
        }
        return Response(MeOutputSerializer(data).data)


class HrOrAdmin(permissions.BasePermission):
    """HR and administrators; managers and merchandisers are refused."""

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) in (Role.HR, Role.ADMIN)


class BulkRowField(serializers.DictField):
    """One person: the import's columns by key; values are text, dates as YYYY-MM-DD."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Each row must be a JSON object."))
        unknown = sorted(set(data) - set(COLUMN_LABELS))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown columns: %(columns)s.") % {"columns": ", ".join(map(str, unknown))}
            )
        if any(isinstance(value, dict | list) for value in data.values()):
            raise serializers.ValidationError(_("Each value must be text, a number or a boolean."))
        return data


class EmployeesBulkInputSerializer(serializers.Serializer):
    rows = serializers.ListField(child=BulkRowField(), allow_empty=False, max_length=MAX_ROWS)
    dry_run = serializers.BooleanField(default=True)


class EmployeesBulkApi(APIView):
    """Create or update people (and their teams and accounts) by employee number. ``dry_run``
    (the default) only says what would change; refused rows come back with column and reason."""

    permission_classes = [permissions.IsAuthenticated, HrOrAdmin]

    @extend_schema(request=EmployeesBulkInputSerializer, responses=None)
    def post(self, request: Request) -> Response:
        serializer = EmployeesBulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = list(enumerate(serializer.validated_data["rows"], start=1))
        result = people_import(
            rows=rows, actor=request.user, dry_run=serializer.validated_data["dry_run"]
        )
        data = result.as_dict()
        emailed = password_links_send(
            links=result.password_links, site_url=request.build_absolute_uri("/")
        )
        data["password_links"] = [
            {
                **link,
                "url": request.build_absolute_uri(link["url"]),
                "emailed": link["username"] in emailed,
            }
            for link in data["password_links"]
        ]
        return Response(data)
