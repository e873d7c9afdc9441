"""The schema the app wrote with sqlite3 before SQLAlchemy; an old file keeps its rows.

Every table and index is made only when missing, so a file written by any earlier
version (chats without browsers, feedback without comments, or nothing) ends up alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _indexes(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    tables = _tables()
    if "chats" not in tables:
        op.create_table(
            "chats",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("browser", sa.Text, nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("updated_at", sa.Text, nullable=False),
            sa.Column("seq", sa.Integer, nullable=False),
        )
    if "chats_by_browser" not in _indexes("chats"):
        op.create_index("chats_by_browser", "chats", ["browser", "seq"])
    if "chat_messages" not in tables:
        op.create_table(
            "chat_messages",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("chat_id", sa.Text, nullable=False),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("role", sa.Text, nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("status", sa.Text, nullable=False),
            sa.Column("reply_to", sa.Integer),
            sa.Column("answer", sa.Text),
            sa.Column("extra", sa.Text, nullable=False),
            sqlite_autoincrement=True,
        )
    if "chat_messages_by_chat" not in _indexes("chat_messages"):
        op.create_index("chat_messages_by_chat", "chat_messages", ["chat_id", "id"])
    if "browsers" not in tables:
        op.create_table(
            "browsers",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("issued_at", sa.Text, nullable=False),
        )
    # browsers that saved chats before ids were recorded keep their lists
    op.execute(
        "INSERT INTO browsers (id, issued_at) SELECT c.browser, min(c.created_at) FROM chats c "
        "WHERE NOT EXISTS (SELECT 1 FROM browsers b WHERE b.id = c.browser) GROUP BY c.browser"
    )
    if "feedback" not in tables:
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("backend", sa.Text, nullable=False),
            sa.Column("source_ids", sa.Text, nullable=False),
            sa.Column("rating", sa.Integer, nullable=False),
            sa.Column("comment", sa.Text, nullable=False, server_default=""),
            sa.CheckConstraint("rating IN (0, 1)", name="feedback_rating_up_or_down"),
            sqlite_autoincrement=True,
        )
    elif "comment" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feedback")}:
        op.add_column("feedback", sa.Column("comment", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for table in ("feedback", "browsers", "chat_messages", "chats"):
        op.drop_table(table)
