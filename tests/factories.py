import datetime as dt

import factory

from catalog.models import Catalog, CatalogEntry, Category, Scope, TimeLimit
from portal.models import Membership, Organization, User

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"ORG{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}党支部")
    level = Organization.Level.BRANCH
    kind = Organization.Kind.COMMUNITY


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "member"
    since = factory.LazyFunction(lambda: dt.date(2020, 1, 1))


class CatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Catalog

    name = factory.Sequence(lambda n: f"党务公开目录{n}")
    effective_from = dt.date(2026, 1, 1)
    state = Catalog.State.ACTIVE


class CatalogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogEntry

    catalog = factory.SubFactory(CatalogFactory)
    code = factory.Sequence(lambda n: f"E{n:03d}")
    category = Category.ORGANIZATION
    title = factory.Sequence(lambda n: f"目录事项{n}")
    scope = Scope.INTERNAL_THEN_PUBLIC
    time_limit = TimeLimit.LONG_TERM
    lead_days = 3
