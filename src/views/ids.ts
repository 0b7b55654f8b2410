/** Every Slack callback, block and action id, written once and shared by views and handlers. */

export const CallbackIds = {} as const;

export const BlockIds = {} as const;

export const ActionIds = {} as const;
