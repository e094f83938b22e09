import { LitElement, css, html } from 'lit';
import { customElement, query } from 'lit/decorators.js';
import { PLAYER_SHORTCUTS } from './controllers/player-keys';

/** The `?` dialog: every player key. A native modal dialog, so focus and Escape work as expected. */
@customElement('omv-shortcuts-dialog')
export class OmvShortcutsDialog extends LitElement {
  static override styles = css`
    dialog {
      background: #1d2430;
      color: #e8ecf2;
      border: 1px solid #3a4a63;
      border-radius: 10px;
      padding: 1rem 1.5rem;
    }
    dialog::backdrop {
      background: rgb(0 0 0 / 0.5);
    }
    table {
      border-collapse: collapse;
    }
    th,
    td {
      text-align: left;
      padding: 0.2rem 1rem 0.2rem 0;
    }
    kbd {
      font: inherit;
      font-weight: 600;
    }
    button {
      font: inherit;
      margin-top: 0.8rem;
    }
  `;

  @query('dialog') private dialog!: HTMLDialogElement;

  show(): void {
    if (!this.dialog.open) this.dialog.showModal();
  }

  override render() {
    return html`
      <dialog aria-labelledby="title">
        <h2 id="title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            ${PLAYER_SHORTCUTS.map(
              ([keys, what]) =>
                html`<tr>
                  <th scope="row"><kbd>${keys}</kbd></th>
                  <td>${what}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form method="dialog"><button>Close</button></form>
      </dialog>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-shortcuts-dialog': OmvShortcutsDialog;
  }
}
