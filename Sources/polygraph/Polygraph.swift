import ArgumentParser

/// The `polygraph` command line: one file per subcommand, all logic in the library targets.
@main
struct Polygraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polygraph",
        abstract: "Capture a language model's hidden states, train truth probes, gate answers.",
        subcommands: [
            InspectCommand.self, GenerateCommand.self, TokenizeCommand.self, CaptureCommand.self,
            ImportCommand.self, MergeCommand.self, TrainCommand.self, SweepCommand.self, EvalCommand.self,
            GeneralizeCommand.self, AskCommand.self,
        ] + serverCommands + [BenchCommand.self, GateBenchCommand.self])
}

#if canImport(Server)
    private let serverCommands: [any ParsableCommand.Type] = [ServeCommand.self]
#else
    private let serverCommands: [any ParsableCommand.Type] = []  // built with POLYGRAPH_NO_SERVER=1
#endif
