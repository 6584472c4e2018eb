using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace ServerlessTasks.Analyzers.Tests;

/// <summary>
/// The rules are active in the app's real build: a throwaway project made from <c>ServerlessTasks.csproj</c> itself (its
/// package references, analyzer references and properties, the repo's Directory.Build.props and central versions), with
/// one broken orchestrator as its only source, must fail to build with exactly the expected rule ids. If the app stops
/// referencing an analyzer, or its rules stop being errors, this fails. Restores only from the local package cache.
/// </summary>
public sealed partial class AppBuildTests : IDisposable
{
    private static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(6);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sto-appbuild-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public AppBuildTests(ITestOutputHelper output) => _output = output;

    /// <summary>Line numbers below are the lines of this file.</summary>
    private const string BrokenOrchestrator = """
        using Microsoft.Azure.Functions.Worker;
        using Microsoft.DurableTask;

        namespace BrokenApp;

        public static class Broken
        {
            [Function(nameof(Broken))]
            public static async Task<long> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
            {
                var started = DateTime.UtcNow;
                var id = Guid.NewGuid();
                await Task.Delay(1);
                await Helper.WaitAsync(context);
                while (true)
                {
                    await context.CreateTimer(TimeSpan.FromSeconds(1), CancellationToken.None);
                    if (!context.IsReplaying)
                    {
                        break;
                    }
                }

                return started.Ticks + id.GetHashCode();
            }
        }

        public static class Helper
        {
            public static async Task WaitAsync(TaskOrchestrationContext context) =>
                await context.CreateTimer(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
        """;

    [Fact]
    public async Task Build_BrokenOrchestratorWithTheAppsAnalyzers_FailsWithTheirRuleIds()
    {
        var repo = FindRepoRoot();
        WriteThrowawayProject(repo);

        var (exitCode, output) = await BuildAsync();

        var errors = ErrorLine().Matches(output)
            .Select(m => $"{Path.GetFileName(m.Groups["file"].Value)}:{m.Groups["id"].Value}@{m.Groups["line"].Value}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(exitCode != 0, "the build succeeded:\n" + output);
        // Microsoft's (warnings made errors): DURABLE0001 DateTime.UtcNow, DURABLE0002 Guid.NewGuid, DURABLE0003 Task.Delay, and
        // DURABLE0011 while(true) without ContinueAsNew, a rule the 0.2.0 analyzers the Durable extension brings along lack.
        // Ours: STO0001 ConfigureAwait(false) in a helper.
        Assert.Equal(
            ["Broken.cs:DURABLE0001@11", "Broken.cs:DURABLE0002@12", "Broken.cs:DURABLE0003@13", "Broken.cs:DURABLE0011@15", "Broken.cs:STO0001@31"],
            errors);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>
    /// The app's project file with only the broken file compiled: project references other than analyzers are dropped
    /// (the snippet needs none), and an analyzer project reference becomes the analyzer assembly this test was built with.
    /// </summary>
    private void WriteThrowawayProject(string repo)
    {
        Directory.CreateDirectory(_dir);
        var project = XDocument.Load(Path.Combine(repo, "ServerlessTasks.csproj"));
        var root = project.Root!;
        foreach (var item in root.Descendants().Where(e => e.Name.LocalName is "Compile" or "None" or "InternalsVisibleTo").ToList())
        {
            item.Remove();
        }

        var analyzerProjects = 0;
        foreach (var reference in root.Descendants().Where(e => e.Name.LocalName == "ProjectReference").ToList())
        {
            if ((string?)reference.Attribute("OutputItemType") == "Analyzer" && (string?)reference.Attribute("ReferenceOutputAssembly") == "false")
            {
                Assert.Equal("Analyzers/ServerlessTasks.Analyzers.csproj", (string?)reference.Attribute("Include"));
                reference.AddAfterSelf(new XElement("Analyzer", new XAttribute("Include", typeof(OrchestratorSchedulerAnalyzer).Assembly.Location)));
                analyzerProjects++;
            }

            reference.Remove();
        }

        Assert.Equal(1, analyzerProjects);
        root.Add(new XElement("ItemGroup", new XElement("Compile", new XAttribute("Include", "Broken.cs;Program.cs"))));
        project.Save(Path.Combine(_dir, "BrokenApp.csproj"));
        File.WriteAllText(Path.Combine(_dir, "Broken.cs"), BrokenOrchestrator);
        File.WriteAllText(Path.Combine(_dir, "Program.cs"), "namespace BrokenApp;\n\ninternal static class Program\n{\n    private static void Main()\n    {\n    }\n}\n");
        File.WriteAllText(Path.Combine(_dir, "Directory.Build.props"), $"""<Project><Import Project="{Path.Combine(repo, "Directory.Build.props")}" /></Project>""");
        File.WriteAllText(Path.Combine(_dir, "Directory.Packages.props"), $"""<Project><Import Project="{Path.Combine(repo, "Directory.Packages.props")}" /></Project>""");
        File.Copy(Path.Combine(repo, "global.json"), Path.Combine(_dir, "global.json"));
    }

    private async Task<(int ExitCode, string Output)> BuildAsync()
    {
        // The global packages folder has the layout of a local feed: restoring from it alone needs no network.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "build", "BrokenApp.csproj", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false",
            $"-p:RestoreSources={cache}", "-p:NuGetAudit=false",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var output = new StringBuilder();
        using var build = new Process { StartInfo = start };
        build.OutputDataReceived += (_, e) => Append(output, e.Data);
        build.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var watch = Stopwatch.StartNew();
        build.Start();
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(BuildDeadline);
        try
        {
            await build.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            build.Kill(entireProcessTree: true); // only the build this test started
            Assert.Fail($"the build did not finish within {BuildDeadline}:\n{output}");
        }

        build.WaitForExit(); // drains the redirected output
        _output.WriteLine($"build took {watch.Elapsed.TotalSeconds:F1} s, exit code {build.ExitCode}");
        _output.WriteLine(output.ToString());
        return (build.ExitCode, output.ToString());
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServerlessTasks.csproj")) && File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ServerlessTasks.csproj not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every error the build prints (file, line, id), compiler and NuGet errors included.</summary>
    [GeneratedRegex(@"(?<file>[^\s(]*)(?:\((?<line>\d+),\d+\))? ?: error (?<id>[A-Z]+\d+):")]
    private static partial Regex ErrorLine();
}
