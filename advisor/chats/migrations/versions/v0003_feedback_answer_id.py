"""Ratings given over HTTP keep the id of the answer they rate: rating it again, from any
server process on the same database, updates that one row."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("feedback", sa.Column("answer_id", sa.Text))
    op.create_index("feedback_by_answer", "feedback", ["answer_id"], unique=True)


def downgrade() -> None:
    op.drop_index("feedback_by_answer", "feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("answer_id")
