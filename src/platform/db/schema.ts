// The database's tables as the migrations make them: one type for the whole schema, which every
// repository's Kysely handle carries (no module sees a narrower view, so no casts between views).
// The value sets of constrained columns are named here, once; the modules use these names.
import type { JWK } from 'jose';
import type { ColumnType, Generated } from 'kysely';

/** Roles of users and API keys (the `role` check constraints). */
export type RoleName = 'admin' | 'operator' | 'viewer' | 'detector';
export type OrgUnitStatus = 'ACTIVE' | 'INACTIVE';
export type CameraSourceType = 'mjpeg' | 'snapshot' | 'rtsp';
export type CameraEventLevel = 'debug' | 'info' | 'warn' | 'error';
export type CameraEventKind = 'state' | 'error' | 'operator';
export type AuditActorType = 'user' | 'api_key' | 'system' | 'anonymous';
export type AuditResult = 'success' | 'failure' | 'denied';
export type DetectionStatus = 'pending' | 'confirmed' | 'false_positive' | 'resolved';
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';
export type AlertState = 'pending' | 'firing' | 'resolved';
export type SessionEndReason = 'logout' | 'logout_all' | 'reuse' | 'ended' | 'disabled';

export type ChatMessageStatus = 'pending' | 'streaming' | 'complete' | 'interrupted' | 'error';

export interface Schema {
  schema_migrations: { version: number; name: string; checksum: string; applied_at: Date };

  users: {
    id: string;
    email: string;
    display_name: string;
    password_hash: string;
    status: 'active' | 'disabled';
    revision: Generated<number>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
    password_changed_at: Generated<Date>;
  };
  role_grants: {
    id: string;
    user_id: string;
    role: RoleName;
    org_unit_code: string | null;
    created_at: Generated<Date>;
    created_by: string | null;
  };
  api_keys: {
    id: string;
    name: string;
    role: RoleName;
    org_unit_code: string | null;
    key_hash: string;
    prefix: string;
    created_at: Generated<Date>;
    created_by: string | null;
    expires_at: Date | null;
    last_used_at: Date | null;
    revoked_at: Date | null;
  };
  auth_sessions: {
    id: string;
    user_id: string;
    created_at: Date;
    last_used_at: Date;
    expires_at: Date;
    ip: string | null;
    user_agent: string | null;
    revoked_at: Date | null;
    revoked_reason: SessionEndReason | null;
  };
  refresh_tokens: {
    id: string;
    session_id: string;
    parent_id: string | null;
    token_hash: string;
    created_at: Date;
    used_at: Date | null;
  };
  signing_keys: {
    kid: string;
    alg: 'EdDSA';
    public_jwk: JWK;
    private_jwk_sealed: string;
    created_at: Date;
    retired_at: Date | null;
  };

  org_units: { code: string; revision: number; created_at: Date; updated_at: Date };
  org_unit_versions: {
    code: string;
    effective_from: string;
    effective_to: string | null;
    name: string;
    unit_type: string;
    parent_code: string | null;
    status: OrgUnitStatus;
    sort_order: number;
    description: string | null;
    attributes: unknown;
    change_reason: string | null;
    changed_by: string | null;
    changed_at: Date;
  };

  cameras: {
    id: string;
    org_unit_code: string;
    name: string;
    source_url: string;
    source_type: CameraSourceType;
    expected_fps: number;
    credentials_sealed: string | null;
    labels: string[];
    active: boolean;
    auto_start: boolean;
    revision: number;
    created_at: Date;
    updated_at: Date;
    desired_running: boolean;
    restart_seq: number;
    /** Null: the default for the source type (on for streams, off for snapshots). */
    frozen_detection: boolean | null;
  };
  camera_leases: { camera_id: string; owner: string; expires_at: Date; acquired_at: Date };
  camera_runtime: { camera_id: string; owner: string; status: unknown; updated_at: Date };
  vigil_nodes: { id: string; host: string; pid: number; url: string | null; started_at: Date; heartbeat_at: Date };
  camera_events: {
    id: string;
    camera_id: string;
    at: Date;
    level: CameraEventLevel;
    kind: CameraEventKind;
    message: string;
    details: unknown;
    actor_type: string | null;
    actor_id: string | null;
  };

  audit_events: {
    id: string;
    at: ColumnType<Date, Date | undefined, never>;
    actor_type: AuditActorType;
    actor_id: string | null;
    action: string;
    resource_type: string;
    resource_id: string | null;
    org_unit_code: string | null;
    // Written as JSON text cast to jsonb (pg would send a JavaScript array as a PostgreSQL array).
    before: ColumnType<unknown, unknown, never>;
    after: ColumnType<unknown, unknown, never>;
    result: AuditResult;
    request_id: string | null;
    ip: string | null;
  };

  detection_events: {
    id: string;
    camera_id: string;
    org_unit_code: string;
    type: string;
    occurred_at: Date;
    received_at: Date;
    confidence: number;
    // jsonb columns are written as JSON text (see audit_events).
    bbox: ColumnType<{ x: number; y: number; width: number; height: number } | null, string | null, string | null>;
    track_id: string | null;
    attributes: ColumnType<Record<string, unknown>, string, string>;
    idempotency_key: string | null;
    has_snapshot: boolean;
    status: DetectionStatus;
    notes: string | null;
    handled_by_type: string | null;
    handled_by: string | null;
    handled_at: Date | null;
    revision: number;
    reported_by_type: string;
    reported_by: string | null;
  };
  detection_event_snapshots: { event_id: string; jpeg: Buffer; stored_at: Date };

  agents: {
    id: string;
    name: string;
    description: string;
    provider_type: 'openai-compatible';
    base_url: string;
    model: string;
    api_key_sealed: string | null;
    headers_sealed: string | null;
    header_names: string[];
    system_prompt: string;
    temperature: number | null;
    max_tokens: number | null;
    tools: string[];
    enabled: boolean;
    org_unit_code: string | null;
    rate_limit_per_minute: number;
    revision: number;
    created_at: Date;
    updated_at: Date;
    created_by: string | null;
  };
  chat_sessions: {
    id: string;
    agent_id: string;
    owner_type: 'user' | 'api_key';
    owner_id: string;
    title: string;
    revision: number;
    created_at: Date;
    last_activity_at: Date;
  };
  chat_messages: {
    id: string;
    session_id: string;
    role: 'user' | 'assistant';
    content: string;
    status: ChatMessageStatus;
    client_message_id: string | null;
    reply_to: string | null;
    tool_calls: ColumnType<unknown[], string | undefined, string>;
    error: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
    prompt_tokens: number | null;
    completion_tokens: number | null;
    first_token_ms: number | null;
    latency_ms: number | null;
    writer: string | null;
    created_at: Date;
    updated_at: Date;
  };
  chat_events: { message_id: string; seq: number; type: string; data: ColumnType<unknown, string, string> };
  alert_rules: {
    id: string;
    name: string;
    enabled: boolean;
    org_unit_code: string | null;
    camera_ids: string[];
    label_matchers: ColumnType<Record<string, string>, string, string>;
    condition: ColumnType<unknown, string, string>;
    for_s: number;
    keep_firing_for_s: number;
    severity: AlertSeverity;
    labels: ColumnType<Record<string, string>, string, string>;
    annotations: ColumnType<Record<string, string>, string, string>;
    channels: ColumnType<unknown[], string, string>;
    channels_sealed: string | null;
    repeat_interval_s: number;
    revision: number;
    created_at: Date;
    updated_at: Date;
    created_by: string | null;
  };
  alert_instances: {
    id: string;
    rule_id: string | null;
    fingerprint: string;
    camera_id: string | null;
    org_unit_code: string | null;
    state: AlertState;
    severity: AlertSeverity;
    labels: ColumnType<Record<string, string>, string, string>;
    annotations: ColumnType<Record<string, string>, string, string>;
    value: number | null;
    active_since: Date;
    fired_at: Date | null;
    resolved_at: Date | null;
    false_since: Date | null;
    last_notified_at: Date | null;
    last_resent_at: Date | null;
    acked_by: string | null;
    acked_at: Date | null;
    revision: number;
  };
  alert_outbox: {
    id: string;
    instance_id: string | null;
    rule_id: string | null;
    channel_index: number;
    channel_type: 'webhook' | 'alertmanager' | 'email';
    endpoint: string;
    event_type: 'firing' | 'resolved' | 'repeat' | 'resend';
    payload: ColumnType<unknown, string, string>;
    secret_sealed: string | null;
    idempotency_key: string;
    created_at: Date;
    next_attempt_at: Date;
    attempts: number;
    claimed_until: Date | null;
    last_error: string | null;
    delivered_at: Date | null;
    failed_at: Date | null;
  };
  alert_silences: {
    id: string;
    matchers: ColumnType<{ name: string; value: string; isRegex: boolean; isEqual: boolean }[], string, string>;
    starts_at: Date;
    ends_at: Date;
    created_by: string | null;
    comment: string;
    org_unit_code: string | null;
    created_at: Date;
    expired_at: Date | null;
  };
}
