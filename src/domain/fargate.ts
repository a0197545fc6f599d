/**
 * Task sizes Fargate offers (Linux): for each CPU value, the memory values in MiB it accepts.
 * Source: the Amazon ECS developer guide, "Task CPU and memory".
 */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** Whether Fargate runs a task of this size. */
export function isFargateSize(cpu: number, memoryMiB: number): boolean {
  return FARGATE_MEMORY_BY_CPU[cpu]?.includes(memoryMiB) ?? false;
}

/** A short description of the memory values Fargate allows for `cpu`, for error messages. */
export function describeFargateMemory(cpu: number): string {
  const values = FARGATE_MEMORY_BY_CPU[cpu];
  if (!values) return `cpu must be one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(", ")}`;
  if (values.length <= 3) return values.join(", ");
  return `${values[0]} to ${values[values.length - 1]} in steps of ${values[1] - values[0]}`;
}
