/// A mistake in the command's input found while running (after the model or a file was read). Printed as
/// `Error: …` without a usage screen: argument-parser would attach the root command's usage to a `ValidationError`
/// thrown from `run()`, which points at the wrong command. Checks that need no file stay in `validate()`.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
