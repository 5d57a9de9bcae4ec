import ArgumentParser

@main
struct Polygraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polygraph",
        abstract: "Capture a language model's hidden states, train truth probes, gate answers.",
        subcommands: [GenerateCommand.self, BenchCommand.self, TokenizeCommand.self, TrainCommand.self, SweepCommand.self,
                      EvalCommand.self, GeneralizeCommand.self, ServeCommand.self, GateBenchCommand.self])
}
