export async function runFeatureBench(_datasets: unknown): Promise<void> {}
