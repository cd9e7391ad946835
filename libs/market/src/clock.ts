// The one Clock port lives in @app/contracts; the market lib waits on it through these names.
export { type Clock, isAborted } from '@app/contracts';
