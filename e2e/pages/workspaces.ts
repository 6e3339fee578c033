// Workspaces: the open one, recent ones, and the create, open, export and import actions.

import { BasePage } from './base.ts';

export class WorkspacesPage extends BasePage {
  readonly current = this.testId('workspace-current');
  readonly recent = this.testId('workspace-recent');
  readonly create = this.testId('workspace-create');
  readonly openForm = this.testId('workspace-open');
  readonly exportForm = this.testId('workspace-export');
  readonly importForm = this.testId('workspace-import');

  async open(): Promise<void> {
    await this.goto('/workspaces');
  }

  /** Fills the "new workspace" form and submits it (the engine then opens the new workspace). */
  async createWorkspace(o: { dir: string; name: string; params: 'forklab' | 'forklab-sim'; blockInterval?: number }): Promise<void> {
    await this.fill(this.testId('workspace-create-dir'), o.dir);
    await this.fill(this.testId('workspace-create-name'), o.name);
    await this.choose(this.testId('workspace-create-params'), o.params === 'forklab' ? 'forklab (real proof of work)' : 'forklab-sim');
    if (o.blockInterval !== undefined) await this.fill(this.testId('workspace-create-interval'), String(o.blockInterval));
    await this.create.click();
  }
}
