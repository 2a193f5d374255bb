import type { NextFunction, Request, Response } from 'express';

/** Served beside the board's pages, which link it. */
export const RESTRICTIONS_STYLESHEET_PATH = '/board-restrictions.css';

/**
 * Hides the board's buttons for changes the board refuses (board-app.ts, ALLOWED_CHANGES), keeping retry,
 * promote, pause and resume. Bull Board (9.10.1) offers no option for this: outside read-only mode it
 * shows every action of a job's state (duplicate, edit data, clean, reschedule, change priority, remove
 * children) and every queue action (add job, concurrency, rate limit, clean all, empty, obliterate). Its
 * buttons carry no names, only their icons' classes (lucide), so the rules keep the buttons whose icon is
 * an allowed action's and hide the rest: an action a later Bull Board adds stays hidden until it is
 * allowed here and in ALLOWED_CHANGES.
 */
const ALLOWED_ICONS = ['lucide-refresh-cw', 'lucide-corner-up-left', 'lucide-pause', 'lucide-play'];
const allowed = ALLOWED_ICONS.map((icon) => `svg.${icon}`).join(', ');

export const RESTRICTIONS_STYLESHEET = `/* bulk-export: the board only retries, promotes, pauses and resumes. */
[class^="jobActions-"] > li:not(:has(${allowed})),
[class^="queueActions-"] > li:not(:has(${allowed})),
[role="menuitem"]:has(svg.lucide):not(:has(${allowed})) {
  display: none !important;
}
`;

const LINK = `<link rel="stylesheet" href="${RESTRICTIONS_STYLESHEET_PATH.slice(1)}">`;

/**
 * Express middleware in front of Bull Board: serves the stylesheet, and adds its link to the head of every
 * page the board renders (the pages are one HTML shell; the API and static files pass untouched).
 */
export function boardRestrictions() {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (request.path === RESTRICTIONS_STYLESHEET_PATH) {
      response.type('text/css').set('cache-control', 'no-cache').send(RESTRICTIONS_STYLESHEET);
      return;
    }
    if (request.path.startsWith('/api/') || request.path.startsWith('/static/')) return next();
    const send = response.send.bind(response);
    response.send = ((body?: unknown) =>
      send(typeof body === 'string' && body.includes('</head>') ? body.replace('</head>', `${LINK}</head>`) : body)) as Response['send'];
    next();
  };
}
