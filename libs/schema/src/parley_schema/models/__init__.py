"""Every table of Parley's shared schema. Importing this module registers them all on ``Base``."""

from parley_schema.models.audit import ApiRequest
from parley_schema.models.base import Base
from parley_schema.models.chatwoot import (
    CwContact,
    CwConversation,
    CwMessage,
)
from parley_schema.models.chunks import CHUNK_FILTER_COLUMNS, ChunkKind, EmbeddingStatus, RagChunk
from parley_schema.models.embeddings import EmbeddingModel
from parley_schema.models.feedback import Feedback, FeedbackRating, FeedbackTargetKind
from parley_schema.models.handoffs import Handoff, HandoffStatus
from parley_schema.models.jobs import JobRun, SyncWatermark
from parley_schema.models.knowledge import (
    CATEGORY_PATTERN,
    DEFAULT_CATEGORIES,
    DocumentSource,
    KbDocument,
    KbDocumentVersion,
    ProcessingStatus,
)
from parley_schema.models.lifecycle import AccountRetention, Erasure, ErasureQuarantine
from parley_schema.models.outbox import EventOutbox
from parley_schema.models.projects import (
    Project,
    ProjectMember,
    ProjectRole,
    ProjectSource,
    SourceGrant,
)
from parley_schema.models.ratelimits import RateLimitCounter
from parley_schema.models.segments import Segment, SegmentTarget
from parley_schema.models.suggestions import SuggestionPost
from parley_schema.models.users import (
    ApiToken,
    AppSetting,
    AppUser,
    Session,
    SignupRequest,
    TokenScope,
)
from parley_schema.models.webhooks import WebhookDelivery

__all__ = [
    "CATEGORY_PATTERN",
    "CHUNK_FILTER_COLUMNS",
    "DEFAULT_CATEGORIES",
    "AccountRetention",
    "ApiRequest",
    "ApiToken",
    "AppSetting",
    "AppUser",
    "Base",
    "ChunkKind",
    "CwContact",
    "CwConversation",
    "CwMessage",
    "DocumentSource",
    "EmbeddingModel",
    "EmbeddingStatus",
    "Erasure",
    "ErasureQuarantine",
    "EventOutbox",
    "Feedback",
    "FeedbackRating",
    "FeedbackTargetKind",
    "Handoff",
    "HandoffStatus",
    "JobRun",
    "KbDocument",
    "KbDocumentVersion",
    "ProcessingStatus",
    "Project",
    "ProjectMember",
    "ProjectRole",
    "ProjectSource",
    "RagChunk",
    "RateLimitCounter",
    "Segment",
    "SegmentTarget",
    "Session",
    "SignupRequest",
    "SourceGrant",
    "SuggestionPost",
    "SyncWatermark",
    "TokenScope",
    "WebhookDelivery",
]
