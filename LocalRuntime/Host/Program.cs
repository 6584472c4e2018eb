using LocalRuntime.Functions.Hosting;
using LocalRuntime.Host;

// dotnet run --project LocalRuntime/Host -- <app folder | app .csproj> [--port N] [--urls URL] [any configuration key]
if (args.Length == 0 || args[0].StartsWith('-'))
{
    await Console.Error.WriteLineAsync("usage: LocalRuntime.Host <app folder | app .csproj> [--port N] [--urls URL]");
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The host handles Ctrl+C itself (graceful stop); this only ends a build still running.
    stopping.Cancel();
};

string appDirectory;
try
{
    appDirectory = await AppLocator.ResolveAsync(args[0], Console.Out, stopping.Token);
}
catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

LocalFunctionsHost host;
try
{
    var builder = LocalFunctionsHost.CreateBuilder(appDirectory, args[1..]);
    Composition.AddExtensions(builder);
    host = builder.Build();
}
catch (InvalidOperationException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

await using (host)
{
    try
    {
        await host.StartAsync();
    }
    catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or Microsoft.Extensions.Options.OptionsValidationException)
    {
        await Console.Error.WriteLineAsync($"The host could not start: {ex.Message}");
        return 1;
    }

    Console.Out.Write(RouteTable.Format(host));
    await host.WaitForShutdownAsync();
}

return 0;
