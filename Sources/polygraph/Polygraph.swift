import ArgumentParser

@main
struct Polygraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polygraph",
        abstract: "Capture a language model's hidden states, train truth probes, gate answers.",
        subcommands: [GenerateCommand.self, BenchCommand.self, TokenizeCommand.self, CaptureCommand.self, ImportCommand.self])
}
