import { svg } from 'lit';

/** Inline icons (no icon font: glyphs such as ⏭ are missing from many system fonts). */
const icon = (body: ReturnType<typeof svg>) =>
  svg`<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" fill="currentColor">${body}</svg>`;

export const ICONS = {
  play: icon(svg`<path d="M7 4.5v15l12-7.5z"/>`),
  pause: icon(svg`<path d="M6 4h4v16H6zM14 4h4v16h-4z"/>`),
  prev: icon(svg`<path d="M6 5h2.5v14H6zM19 5v14L9.5 12z"/>`),
  next: icon(svg`<path d="M15.5 5H18v14h-2.5zM5 5v14l9.5-7z"/>`),
  loop: icon(svg`<path d="M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2z"/>`),
  fullscreen: icon(svg`<path d="M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2H4zm14 0h2v6h-6v-2h4z"/>`),
  help: icon(
    svg`<path d="M11 18h2v-2h-2zm1-16a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm0-14a4 4 0 0 0-4 4h2a2 2 0 1 1 4 0c0 2-3 1.75-3 5h2c0-2.25 3-2.5 3-5a4 4 0 0 0-4-4z"/>`,
  ),
} as const;
