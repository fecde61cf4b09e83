/**
 * Error recovery for pages rendered from cache: if a page crashes while rendering, the cached
 * entries it read are dropped and it renders again from the network, once. A crash with fresh
 * data too shows the error instead of looping; the bad entries are gone either way, so a reload
 * does not crash again.
 */
import { Component, Fragment, type ReactNode } from 'react';
import { messageOf } from '../app/api.ts';
import { recoveries } from '../app/browser-cache.ts';
import { type RecoveryScope, RecoveryScopeContext } from '../app/use-resource.ts';

interface Props {
  /** Changes with the page: a new page gets a fresh recovery attempt. */
  readonly page: string;
  readonly children: ReactNode;
}

interface State {
  readonly page: string;
  readonly attempt: number;
  readonly failure: unknown;
  readonly gaveUp: boolean;
}

/** See the file comment. */
export class PageBoundary extends Component<Props, State> {
  readonly #scope: RecoveryScope = new Map();
  override state: State = { page: this.props.page, attempt: 0, failure: undefined, gaveUp: false };

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.page === state.page ? null : { page: props.page, attempt: 0, failure: undefined, gaveUp: false };
  }

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { failure: error };
  }

  override componentDidCatch(error: unknown): void {
    for (const { cache, key } of this.#scope.values()) void cache.delete(key);
    this.#scope.clear();
    if (this.state.attempt >= 1) {
      this.setState({ gaveUp: true, failure: error });
      return;
    }
    recoveries.boundaryResets++;
    this.setState((state) => ({ attempt: state.attempt + 1, failure: undefined }));
  }

  #retry = () => {
    this.#scope.clear();
    this.setState((state) => ({ attempt: state.attempt + 1, failure: undefined, gaveUp: false }));
  };

  override render(): ReactNode {
    const { failure, gaveUp, attempt } = this.state;
    if (gaveUp) {
      return (
        <div className="panel error" role="alert">
          <h2>This page could not be shown</h2>
          <p>{messageOf(failure)}</p>
          <button type="button" onClick={this.#retry}>
            Try again
          </button>
        </div>
      );
    }
    if (failure !== undefined) return null;
    return (
      <RecoveryScopeContext.Provider value={this.#scope}>
        <Fragment key={attempt}>{this.props.children}</Fragment>
      </RecoveryScopeContext.Provider>
    );
  }
}
