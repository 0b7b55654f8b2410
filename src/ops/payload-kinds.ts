/** Payload types Slack sends; anything else is labelled `other`, so metric labels stay a closed set. */
const KINDS = new Set([
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'event_callback',
  'url_verification',
  'app_rate_limited',
]);

/** The metric label of a Slack payload type. */
export const payloadKind = (type: unknown): string => (typeof type === 'string' && KINDS.has(type) ? type : 'other');
