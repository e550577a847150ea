/**
 * How the LLM judge's replies are read. The Evaluator applies these patterns to each reply (search,
 * first capture group, as an integer); a reply without a match is a parse failure, left out of the
 * mean and counted. They are written in the common subset of Python's and JavaScript's regular
 * expressions, so `parseRating` here reads a reply exactly as the service does.
 */

/**
 * The first whole number from 1 to 10 that is not part of a longer number: "10" is ten (the
 * blueprint's one-digit pattern read it as one), "Rating: 7/10" is seven, "11", "0" and text
 * without a number are parse failures.
 */
export const similarityRatingPattern = "(?<![0-9])(10|[1-9])(?![0-9])";

/** `RATING: 1` or `RATING: 0`, as the correctness judge is told to answer. */
export const correctnessRatingPattern = "RATING:\\s*([01])(?![0-9])";

/** The rating a reply holds under `pattern`, or undefined when it holds none (a parse failure). */
export function parseRating(reply: string, pattern: string): number | undefined {
  const match = new RegExp(pattern).exec(reply);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The judge rates similarity from 1 to 10; the run reports it on the same 0–1 scale as every other
 * metric: `(mean − 1) / 9`, so 1 (unrelated) is 0 and 10 (the same meaning) is 1.
 */
export function normaliseSimilarity(meanRating: number): number {
  return Math.min(1, Math.max(0, (meanRating - 1) / 9));
}

export const similarityNormalisation = "similarity is the judge's mean rating from 1 to 10, normalised to 0–1 as (mean − 1) / 9";
