import { InvalidInputError } from './invalid-input-error.js';

/**
 * An environment variable is set to a value the command cannot use (a base URL that is not an http(s)
 * URL, a timeout that is not a number). The message names the variable, what is wrong and what to set;
 * like any bad input it exits with code 2 before anything is enqueued.
 */
export class InvalidConfigurationError extends InvalidInputError {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}. Fix ${variable} in the environment and try again.`);
    this.variable = variable;
  }
}
