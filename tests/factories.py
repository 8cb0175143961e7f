"""factory_boy factories for perf's models: valid by default, overridable per test."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ingest import models as records
from org.models import Customer, Employee, Level, Team

T0 = dt.datetime(2026, 10, 8, 9, 30, tzinfo=dt.UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"跟单{n}组")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Faker("name", locale="zh_CN")
    team = factory.SubFactory(TeamFactory)
    level = Level.INTERMEDIATE
    hire_date = dt.date(2022, 3, 1)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST{n:05d}")
    name = factory.Sequence(lambda n: f"苏州客户{n}有限公司")
    customer_since = dt.date(2020, 1, 1)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.Order

    source = "erp"
    external_id = factory.Sequence(lambda n: f"SO-T{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    merchandiser = factory.SubFactory(EmployeeFactory)
    submitted_at = T0
    source_created_at = factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(minutes=20))
    confirmed_at = factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(hours=2))
    amount = Decimal("12800.00")
    status = records.OrderStatus.CONFIRMED
    # Set explicitly: the model leaves what no source says NULL ("not measured").
    entry_errors = 0
    fulfilment_error = False
    is_returned = False
    is_refunded = False
    has_complaint = False


class OrderNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.OrderNode

    order = factory.SubFactory(OrderFactory)
    node = records.ProcessNode.STOCK_CHECK
    started_at = T0
    completed_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=10))
    threshold_hours = Decimal("24")


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.FollowUp

    employee = factory.SubFactory(EmployeeFactory)
    customer = factory.SubFactory(CustomerFactory)
    channel = records.Channel.WECHAT
    occurred_at = T0
    message = "您好，订单SO-1已发货，预计10月20日交货。谢谢您的支持。"


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.Feedback

    customer = factory.SubFactory(CustomerFactory)
    employee = factory.SubFactory(EmployeeFactory)
    csat = 5
    nps = 9
    comment = "响应及时，非常满意"
    submitted_at = T0


class ExceptionCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.ExceptionCase

    order = factory.SubFactory(OrderFactory)
    handler = factory.SelfAttribute("order.merchandiser")
    kind = records.ExceptionKind.LOGISTICS_DELAY
    detected_at = T0
    coordination_started_at = factory.LazyAttribute(lambda o: o.detected_at + dt.timedelta(hours=1))
    resolved_at = factory.LazyAttribute(lambda o: o.detected_at + dt.timedelta(hours=20))


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.Ticket

    employee = factory.SubFactory(EmployeeFactory)
    customer = factory.SubFactory(CustomerFactory)
    subject = "查询物流进度"
    opened_at = T0
    resolved_at = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(hours=3))
    contacts_until_resolved = 1


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.Suggestion

    employee = factory.SubFactory(EmployeeFactory)
    title = "物流异常自动提醒"
    submitted_at = T0
    status = records.SuggestionStatus.PENDING


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.TrainingRecord

    employee = factory.SubFactory(EmployeeFactory)
    course = "ERP订单录入规范"
    is_required = True
    assigned_on = dt.date(2026, 10, 1)
    due_on = dt.date(2026, 10, 22)


class PeerReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = records.PeerReview

    reviewer = factory.SubFactory(EmployeeFactory)
    reviewee = factory.SubFactory(EmployeeFactory, team=factory.SelfAttribute("..reviewer.team"))
    period = dt.date(2026, 10, 1)
    score = 4


def catalog_settings_set(indicators, **values) -> None:
    """Give ``indicators`` (a queryset of definitions) these scoring settings in every dated
    version as well as in the definition: for tests that pin a setting for all periods (a real
    change is dated, through ``indicators.services.indicator_update``)."""
    from indicators.models import IndicatorSetting

    IndicatorSetting.objects.filter(indicator__in=indicators).update(**values)
    indicators.update(**values)
