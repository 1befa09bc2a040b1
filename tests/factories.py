"""factory_boy factories writing through the app's own session."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from lotsen.accounts import services as accounts
from lotsen.accounts.models import Department, Role, User, UserRole
from lotsen.cases.models import Category
from lotsen.extensions import db

TEST_PASSWORD = "korrekt-häst-batteri-häfta"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DepartmentFactory(BaseFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Avdelning {n}")
    short_name = factory.Sequence(lambda n: f"AVD{n}")
    active = True


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Kategori {n}")
    help_text = "Frågor om tillstånd och lokaler."
    sort_order = factory.Sequence(lambda n: n * 10)
    active = True


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.Faker("name", locale="sv_SE")
    email = factory.Sequence(lambda n: f"tjansteperson{n}@kommun.example")
    session_nonce = factory.LazyFunction(accounts.new_session_nonce)
    active = True

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        for role in extracted or [Role.OFFICIAL]:
            user.role_rows.append(UserRole(role=Role(role).value))

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        accounts.set_password(user, extracted or TEST_PASSWORD)
        if create:
            db.session.commit()
