/** Every connector by kind, and the list the dashboard's connect form is rendered from. */
import type { ConnectorInfo } from '@agiletrack/domain';
import type { Connector, IntegrationKindName } from './connector.ts';
import { githubConnector } from './github/index.ts';
import { jiraConnector } from './jira/index.ts';

const CONNECTORS: Readonly<Record<IntegrationKindName, Connector>> = {
  github: githubConnector,
  jira: jiraConnector,
};

/** The connector of a kind. */
export function connectorFor(kind: IntegrationKindName): Connector {
  return CONNECTORS[kind];
}

/** A ready-made set of form values for one kind (the demo simulator). */
export interface ConnectorPreset {
  kind: IntegrationKindName;
  label: string;
  values: Record<string, string>;
}

/** The connectors as `GET /api/connectors` lists them, with the presets this server offers. */
export class ConnectorCatalog {
  readonly #presets: ConnectorPreset[] = [];

  /** Offers a preset in the connect form (replacing one of the same kind and label). */
  offer(preset: ConnectorPreset): void {
    const same = this.#presets.findIndex((p) => p.kind === preset.kind && p.label === preset.label);
    if (same >= 0) this.#presets.splice(same, 1);
    this.#presets.push(preset);
  }

  /** Every kind with its form and presets. */
  list(): ConnectorInfo[] {
    return Object.values(CONNECTORS).map((connector) => ({
      ...connector.form,
      presets: this.#presets
        .filter((p) => p.kind === connector.kind)
        .map((p) => ({ label: p.label, values: { ...p.values } })),
    }));
  }
}
