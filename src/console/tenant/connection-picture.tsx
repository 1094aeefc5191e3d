import type { Connection, Entity } from '../api.js';

/** Who is connected to whom: the entities on a circle, an arrow from source to target per connection. */
export function ConnectionPicture({
  entities,
  connections,
  name,
}: {
  entities: Entity[];
  connections: Connection[];
  name: (id: string) => string;
}) {
  const shown = entities.filter((e) => e.status === 'Provisioned');
  const width = 520;
  const height = 340;
  const radius = Math.min(width, height) / 2 - 50;
  const at = new Map(
    shown.map((entity, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, shown.length) - Math.PI / 2;
      return [
        entity.id,
        { x: width / 2 + radius * Math.cos(angle), y: height / 2 + radius * Math.sin(angle) },
      ];
    }),
  );
  const summary = connections
    .map((c) => `${name(c.sourceEntityId)} to ${name(c.targetEntityId)}: ${c.status}`)
    .join('; ');
  return (
    <figure class="picture">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Connections: ${summary}`}>
        <defs>
          {['Connected', 'Pending', 'Disconnected'].map((status) => (
            <marker
              key={status}
              id={`arrow-${status}`}
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" class={`arrow ${status}`} />
            </marker>
          ))}
        </defs>
        {connections.map((connection) => {
          const a = at.get(connection.sourceEntityId);
          const b = at.get(connection.targetEntityId);
          if (!a || !b) return null;
          // Stop short of the node's circle so the arrow head shows.
          const dx = b.x - a.x;
          const dy = b.y - a.y;
          const length = Math.hypot(dx, dy) || 1;
          const pad = 24;
          return (
            <line
              key={connection.id}
              class={`edge ${connection.status}`}
              x1={a.x + (dx / length) * pad}
              y1={a.y + (dy / length) * pad}
              x2={b.x - (dx / length) * pad}
              y2={b.y - (dy / length) * pad}
              marker-end={`url(#arrow-${connection.status})`}
            />
          );
        })}
        {shown.map((entity) => {
          const p = at.get(entity.id);
          if (!p) return null;
          return (
            <g key={entity.id} class="vertex">
              <circle cx={p.x} cy={p.y} r="20" />
              <text x={p.x} y={p.y + 36} text-anchor="middle">
                {entity.name}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="legend Connected">Connected</span> <span class="legend Pending">Pending</span>{' '}
        <span class="legend Disconnected">Disconnected</span>: arrows point from the source to the target.
      </figcaption>
    </figure>
  );
}
