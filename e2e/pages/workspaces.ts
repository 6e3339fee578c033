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
}
