"""Issuing and revoking tokens is audited, and the audit trail never holds the token or its hash."""

import sqlalchemy as sa

from app.database import transaction
from models.system import ApiToken, AuditEvent
from resolvers.permissions import Actor
from resolvers.users import add_user, create_token, revoke_token


def test_creating_and_revoking_a_token_is_audited_without_the_secret(engine):
    # given a user
    with transaction(engine) as session:
        add_user(session, email="ann@example.test", roles=["sales"], actor=Actor.system())
    # when a token is issued and then revoked
    with transaction(engine) as session:
        token, secret = create_token(session, email="ann@example.test", name="BI", actor=Actor.system())
        token_id, token_hash = token.id, token.token_hash
    with transaction(engine) as session:
        revoke_token(session, id=token_id, actor=Actor.system())
    # then both steps are in the audit trail, naming the user and the token's name
    with engine.connect() as connection:
        events = connection.execute(
            sa.select(AuditEvent.action, AuditEvent.changes, AuditEvent.via)
            .where(AuditEvent.entity == ApiToken.__name__, AuditEvent.entity_id == token_id)
            .order_by(AuditEvent.id)
        ).all()
    assert [event.action for event in events] == ["create", "revoke"]
    assert events[0].changes["user"] == [None, "ann@example.test"]
    assert events[0].changes["name"] == [None, "BI"]
    # and neither the secret nor its hash appears anywhere in them
    text = repr(events)
    assert secret not in text and token_hash not in text
