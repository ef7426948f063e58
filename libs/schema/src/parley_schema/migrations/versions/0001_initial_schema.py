"""Initial schema: seed 000's tables plus the outbox, deliveries, project sources and tokens.

The embedding column is created as vector(<dim>) with the dimension passed by
``parley_schema.migrate`` (``PARLEY_EMBEDDING_DIM``), so a deployment picks it once.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from parley_schema.settings import ParleyBaseSettings, load_settings

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


EXTENSIONS = ("vector", "pg_trgm", "unaccent")


def _embedding_dim() -> int:
    configured = context.config.attributes.get("embedding_dim")
    return int(configured) if configured else load_settings(ParleyBaseSettings).embedding_dim


def upgrade() -> None:
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    op.create_table('app_settings',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_settings'))
    )
    op.create_table('app_users',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_users')),
    sa.UniqueConstraint('username', name=op.f('uq_app_users_username'))
    )
    op.create_table('cw_contacts',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone_number', sa.Text(), nullable=True),
    sa.Column('identifier', sa.Text(), nullable=True),
    sa.Column('custom_attributes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cw_contacts'))
    )
    op.create_index('ix_cw_contacts_updated_at', 'cw_contacts', [sa.literal_column('updated_at DESC NULLS LAST')], unique=False)
    op.create_index('uq_cw_contacts_account_id_contact_id', 'cw_contacts', ['account_id', 'contact_id'], unique=True)
    op.create_table('cw_conversations',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=True),
    sa.Column('conversation_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_global_id', sa.Text(), nullable=True),
    sa.Column('inbox_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.BigInteger(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cw_conversations'))
    )
    op.create_index(op.f('ix_cw_conversations_contact_global_id'), 'cw_conversations', ['contact_global_id'], unique=False)
    op.create_index('uq_cw_conversations_account_id_conversation_id', 'cw_conversations', ['account_id', 'conversation_id'], unique=True)
    op.create_table('cw_messages',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('conversation_id', sa.BigInteger(), nullable=True),
    sa.Column('conversation_global_id', sa.Text(), nullable=True),
    sa.Column('contact_global_id', sa.Text(), nullable=True),
    sa.Column('sender_type', sa.Text(), nullable=True),
    sa.Column('sender_id', sa.BigInteger(), nullable=True),
    sa.Column('private', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('message_type', sa.Text(), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cw_messages'))
    )
    op.create_index('ix_cw_messages_account_id_created_at', 'cw_messages', ['account_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index(op.f('ix_cw_messages_contact_global_id'), 'cw_messages', ['contact_global_id'], unique=False)
    op.create_index(op.f('ix_cw_messages_conversation_global_id'), 'cw_messages', ['conversation_global_id'], unique=False)
    op.create_index(op.f('ix_cw_messages_conversation_id'), 'cw_messages', ['conversation_id'], unique=False)
    op.create_index('ix_cw_messages_created_at', 'cw_messages', [sa.literal_column('created_at DESC')], unique=False)
    op.create_table('event_outbox',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('routing_key', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_outbox_event_id'))
    )
    op.create_index('ix_event_outbox_unpublished', 'event_outbox', ['id'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('job_runs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('job_name', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processed_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed')", name=op.f('ck_job_runs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    op.create_table('projects',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    op.create_table('rag_chunks',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('conversation_global_id', sa.Text(), nullable=True),
    sa.Column('message_global_id', sa.Text(), nullable=True),
    sa.Column('chunk_index', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_hash', sa.Text(), nullable=True),
    sa.Column('content_tokens', sa.Integer(), nullable=True),
    sa.Column('embedding', Vector(_embedding_dim()), nullable=True),
    sa.Column('text_tsv', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english'::regconfig, text)", persisted=True), nullable=False),
    sa.Column('embedding_status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('embedding_model', sa.Text(), nullable=True),
    sa.Column('embedding_attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('embedding_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_embedded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("embedding_status IN ('pending', 'processing', 'ready', 'failed')", name=op.f('ck_rag_chunks_embedding_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rag_chunks')),
    sa.UniqueConstraint('message_global_id', 'chunk_index', name=op.f('uq_rag_chunks_message_global_id_chunk_index'))
    )
    op.create_index(op.f('ix_rag_chunks_conversation_global_id'), 'rag_chunks', ['conversation_global_id'], unique=False)
    op.create_index('ix_rag_chunks_embedding_hnsw', 'rag_chunks', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index('ix_rag_chunks_embedding_status_created_at', 'rag_chunks', ['embedding_status', sa.literal_column('created_at DESC')], unique=False)
    op.create_index(op.f('ix_rag_chunks_message_global_id'), 'rag_chunks', ['message_global_id'], unique=False)
    op.create_index(op.f('ix_rag_chunks_text_hash'), 'rag_chunks', ['text_hash'], unique=False)
    op.create_index('ix_rag_chunks_text_tsv', 'rag_chunks', ['text_tsv'], unique=False, postgresql_using='gin')
    op.create_table('signup_requests',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('pin_hash', sa.Text(), nullable=False),
    sa.Column('pin_salt', sa.Text(), nullable=False),
    sa.Column('attempt_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_requests'))
    )
    op.create_index(op.f('ix_signup_requests_expires_at'), 'signup_requests', ['expires_at'], unique=False)
    op.create_index('ix_signup_requests_username_created_at', 'signup_requests', ['username', sa.literal_column('created_at DESC')], unique=False)
    op.create_table('sync_watermarks',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('cursor_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cursor_id', sa.Text(), nullable=True),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_sync_watermarks'))
    )
    op.create_table('webhook_deliveries',
    sa.Column('delivery_key', sa.Text(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=True),
    sa.Column('event', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('delivery_key', name=op.f('pk_webhook_deliveries'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('prefix', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_api_tokens_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_users.id'], name=op.f('fk_api_tokens_user_id_app_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_project_id'), 'api_tokens', ['project_id'], unique=False)
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('project_members',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'member')", name=op.f('ck_project_members_role')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_members_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_users.id'], name=op.f('fk_project_members_user_id_app_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_project_members'))
    )
    op.create_index(op.f('ix_project_members_user_id'), 'project_members', ['user_id'], unique=False)
    op.create_table('project_sources',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('inbox_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_sources_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_sources'))
    )
    op.create_index('uq_project_sources_project_account_inbox', 'project_sources', ['project_id', 'account_id', 'inbox_id'], unique=True, postgresql_nulls_not_distinct=True)
    op.create_table('sessions',
    sa.Column('session_id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('active_project_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['active_project_id'], ['projects.id'], name=op.f('fk_sessions_active_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_users.id'], name=op.f('fk_sessions_user_id_app_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_sessions'))
    )
    op.create_index(op.f('ix_sessions_expires_at'), 'sessions', ['expires_at'], unique=False)
    op.create_index(op.f('ix_sessions_user_id'), 'sessions', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sessions_user_id'), table_name='sessions')
    op.drop_index(op.f('ix_sessions_expires_at'), table_name='sessions')
    op.drop_table('sessions')
    op.drop_index('uq_project_sources_project_account_inbox', table_name='project_sources', postgresql_nulls_not_distinct=True)
    op.drop_table('project_sources')
    op.drop_index(op.f('ix_project_members_user_id'), table_name='project_members')
    op.drop_table('project_members')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_index(op.f('ix_api_tokens_project_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('webhook_deliveries')
    op.drop_table('sync_watermarks')
    op.drop_index('ix_signup_requests_username_created_at', table_name='signup_requests')
    op.drop_index(op.f('ix_signup_requests_expires_at'), table_name='signup_requests')
    op.drop_table('signup_requests')
    op.drop_index('ix_rag_chunks_text_tsv', table_name='rag_chunks', postgresql_using='gin')
    op.drop_index(op.f('ix_rag_chunks_text_hash'), table_name='rag_chunks')
    op.drop_index(op.f('ix_rag_chunks_message_global_id'), table_name='rag_chunks')
    op.drop_index('ix_rag_chunks_embedding_status_created_at', table_name='rag_chunks')
    op.drop_index('ix_rag_chunks_embedding_hnsw', table_name='rag_chunks', postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.drop_index(op.f('ix_rag_chunks_conversation_global_id'), table_name='rag_chunks')
    op.drop_table('rag_chunks')
    op.drop_table('projects')
    op.drop_table('job_runs')
    op.drop_index('ix_event_outbox_unpublished', table_name='event_outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('event_outbox')
    op.drop_index('ix_cw_messages_created_at', table_name='cw_messages')
    op.drop_index(op.f('ix_cw_messages_conversation_id'), table_name='cw_messages')
    op.drop_index(op.f('ix_cw_messages_conversation_global_id'), table_name='cw_messages')
    op.drop_index(op.f('ix_cw_messages_contact_global_id'), table_name='cw_messages')
    op.drop_index('ix_cw_messages_account_id_created_at', table_name='cw_messages')
    op.drop_table('cw_messages')
    op.drop_index('uq_cw_conversations_account_id_conversation_id', table_name='cw_conversations')
    op.drop_index(op.f('ix_cw_conversations_contact_global_id'), table_name='cw_conversations')
    op.drop_table('cw_conversations')
    op.drop_index('uq_cw_contacts_account_id_contact_id', table_name='cw_contacts')
    op.drop_index('ix_cw_contacts_updated_at', table_name='cw_contacts')
    op.drop_table('cw_contacts')
    op.drop_table('app_users')
    op.drop_table('app_settings')
    # Extensions stay: other schemas in the same database may use them.
