using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Infra.Tests;

/// <summary>The deployment template compiles without diagnostics and wires what the app needs.</summary>
public class BicepTemplateTests
{
    private static string Metadata(string key) =>
        typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static async Task<(int Exit, string Stdout, string Stderr)> BicepAsync(params string[] args)
    {
        var cli = Metadata("BicepCli");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cli, File.GetUnixFileMode(cli) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Metadata("InfraFolder") };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task MainBicep_Builds_WithoutWarnings()
    {
        var (exit, stdout, stderr) = await BicepAsync("build", "main.bicep", "--stdout");

        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stderr.Trim());
        using var template = JsonDocument.Parse(stdout);
        Assert.Equal(4, template.RootElement.GetProperty("resources").GetArrayLength()); // the four modules
    }

    [Fact]
    public async Task MainBicep_FlexConsumptionApp_IdentityBasedStorage_NoConnectionStrings()
    {
        var (_, stdout, _) = await BicepAsync("build", "main.bicep", "--stdout");

        Assert.Contains("FlexConsumption", stdout);
        Assert.Contains("AzureWebJobsStorage__accountName", stdout);
        Assert.Contains("\"allowSharedKeyAccess\": false", stdout);
        Assert.DoesNotContain("AccountKey=", stdout);
        Assert.Contains("task-submissions", stdout);
    }

    [Fact]
    public async Task Lint_ReportsNothing()
    {
        var (exit, stdout, stderr) = await BicepAsync("lint", "main.bicep");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(string.Empty, (stdout + stderr).Trim());
    }
}
