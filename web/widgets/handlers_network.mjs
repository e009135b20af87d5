// The widget worker's 'network' requests (see docs/widgets.md). Placeholder until the <qp-network> widget lands.
export const handlers = {};
