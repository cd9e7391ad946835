/** `{ $gte, $lte }` for inclusive epoch-ms bounds, either optional; empty when neither is given. */
export function timeBounds(from: number | undefined, to: number | undefined): Record<string, Date> {
  const bounds: Record<string, Date> = {};
  if (from !== undefined) bounds.$gte = new Date(from);
  if (to !== undefined) bounds.$lte = new Date(to);
  return bounds;
}
