export { startLocalSlack, type LocalSlack, type LocalSlackOptions } from './server.js';
export type { SandboxControl } from './page-api.js';
export type { SlackCall, InjectedFailure, LimitViolation } from './web-api.js';
export { messageBodyProblems, messageProblems, SLACK_LIMITS, viewProblems } from './limits.js';
export type { Interactions, InteractionResult, ActionInput, CommandInput, ViewInput, SuggestInput } from './interactions.js';
export type { RawInput, RawValues } from './state-values.js';
export { SlackState, SLACKBOT, type SlackMessage, type ModalRecord, type SlackStateEvent } from './state.js';
export { slackSignature } from './bot-link.js';
export { emptyWorkspace, loadWorkspace, workspaceSchema, type Workspace, type WorkspaceInput } from './workspace.js';
