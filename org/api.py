"""API: who the caller is."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.selectors import landing_url, viewer_for_user


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
