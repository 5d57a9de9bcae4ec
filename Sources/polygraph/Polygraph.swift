import ArgumentParser

@main
struct Polygraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polygraph",
        abstract: "Capture a language model's hidden states, train truth probes, gate answers.",
        subcommands: [BenchCommand.self, TokenizeCommand.self])
}
