import { css } from 'lit';

/**
 * The look of every control in the app (dark theme): one sheet shared by the elements, so buttons,
 * selects and fields look and focus alike. Elements add only what is theirs.
 */
export const controlStyles = css`
  button,
  select,
  input:not([type='range']):not([type='checkbox']) {
    font: inherit;
    color: #e8ecf2;
    background: #253043;
    border: 1px solid #3a4a63;
    border-radius: 6px;
    padding: 0.3rem 0.7rem;
  }
  button:hover:not(:disabled) {
    background: #2d3a50;
  }
  button:disabled,
  select:disabled {
    opacity: 0.5;
  }
  button.primary {
    background: #2f6fb3;
    border-color: #4a8ad0;
  }
  button[aria-pressed='true'] {
    background: #2f6fb3;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid #4fb3ff;
    outline-offset: 2px;
  }
`;

/** Label-over-value figures in a `<dl>` (`<div><dt>label</dt><dd>value</dd></div>`): live and recorder stats. */
export const figureStyles = css`
  dl div {
    display: grid;
  }
  dt {
    font-size: 0.8rem;
    color: #9fb0c8;
  }
  dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
`;
