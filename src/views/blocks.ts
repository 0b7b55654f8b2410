import type { KnownBlock } from '@slack/types';
import { SLACK_LIMITS } from './slack-limits.js';
import { clip } from './cluster-format.js';

/** Slack's limit on a section's text. */
export const SECTION_TEXT_MAX = SLACK_LIMITS.sectionText;

/** A section of mrkdwn text, clipped to Slack's limit. */
export const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_TEXT_MAX) } });
