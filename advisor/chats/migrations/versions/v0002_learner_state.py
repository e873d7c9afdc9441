"""Profiles and plan progress kept with each chat (and with a browser's unstarted chat),
and ratings tied to the answer they rate: rating it again updates the one row."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    for table in ("chats", "browsers"):
        op.add_column(table, sa.Column("profile", sa.Text))
        op.add_column(table, sa.Column("plan", sa.Text))
    op.add_column("feedback", sa.Column("chat_id", sa.Text))
    op.add_column("feedback", sa.Column("message_id", sa.Integer))
    op.add_column("feedback", sa.Column("updated_at", sa.Text))
    op.create_index("feedback_by_message", "feedback", ["chat_id", "message_id"], unique=True)


def downgrade() -> None:
    op.drop_index("feedback_by_message", "feedback")
    with op.batch_alter_table("feedback") as batch:
        for column in ("updated_at", "message_id", "chat_id"):
            batch.drop_column(column)
    for table in ("browsers", "chats"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("plan")
            batch.drop_column("profile")
