import datetime as dt

import factory
from django.contrib.auth.models import Permission

from catalog.models import Catalog, CatalogEntry, Category, Duration, Frequency, PublicAudience
from feedback import services as feedback_services
from feedback.models import Ballot, Campaign
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
    public_audience = PublicAudience.SOCIETY
    duration = Duration.LONG
    frequency = Frequency.TIMELY
    lead_days = 3


def feedback_admin() -> User:
    """A staff user with every permission of the feedback app (campaigns, ballots)."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="feedback"))
    return user


def open_campaign(organizations, actor: User, *, title: str = "评议",
                  period_label: str = "2026") -> Campaign:
    """An evaluation campaign of ``organizations``, opened by ``actor`` and reloaded."""
    campaign = Campaign.objects.create(title=title, period_label=period_label)
    campaign.organizations.set(organizations)
    feedback_services.campaign_open(campaign_id=campaign.pk, actor=actor)
    campaign.refresh_from_db()
    return campaign


def cast_ballot(campaign: Campaign, organization: Organization, voter: User, rating: str,
                **fields) -> Ballot:
    """``voter`` rates ``organization`` in ``campaign``; ``fields`` go on as given (a comment)."""
    return feedback_services.ballot_cast(campaign=campaign, organization=organization,
                                         voter=voter, rating=rating, **fields)
