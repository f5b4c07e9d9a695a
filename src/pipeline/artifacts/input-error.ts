// A bad input file (a checkpoint, a capture, a JSON artifact, a safetensors header): the message is
// one line naming the file and the problem. The CLI prints it and exits 2, without a stack trace.
export class InputError extends Error {
  override name = "InputError";
}
