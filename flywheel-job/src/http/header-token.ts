/** What an HTTP header can carry as a credential (a bearer token, an API key): visible ASCII, no spaces. */
export const headerTokenPattern = /^[\x21-\x7e]+$/;

/** Why a credential read from a file or a variable cannot be sent in a header. */
export const headerTokenProblem = "holds characters an HTTP header cannot carry (spaces, line breaks or non-ASCII)";
