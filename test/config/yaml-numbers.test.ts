import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

/** The problems of the dev stack with one edit. */
function problems(edit: (config: Config) => void): readonly string[] {
  try {
    loadStackConfig(editedStack("dev", edit), "placeholder");
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const candidateImage = (config: Config): Config => ((config["data-flywheel:models"] as { candidates: { image: Config }[] }).candidates[0].image);

// A stack's configuration reaches the program as JSON, so the hint cannot know how the stack file
// wrote the number: it names every text YAML reads as that number.
describe("a stack value YAML read as a number where a string belongs", () => {
  it("says to quote it, naming the readings that lose a trailing zero", () => {
    expect(problems((c) => (candidateImage(c).tag = 1.1))).toEqual([
      'data-flywheel:models.candidates[0].image.tag: expected a string, got the number 1.1 (YAML reads an unquoted 1.1 or 1.10 as a number: write it in quotes, e.g. "1.10")',
    ]);
  });

  it("says to quote a whole number too", () => {
    expect(problems((c) => (candidateImage(c).tag = 2))).toEqual([
      'data-flywheel:models.candidates[0].image.tag: expected a string, got the number 2 (YAML reads an unquoted 2 as a number: write it in quotes, e.g. "2")',
    ]);
  });
});
