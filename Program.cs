using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessTasks;
using ServerlessTasks.Functions.Security;
using ServerlessTasks.Functions.Telemetry;

// The standard isolated worker entry point with ASP.NET Core integration. Whoever hosts it (Azure, `func start`,
// LocalRuntime's host) launches this process and talks to it over the Functions host-worker protocol.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseApiSecurity(); // API keys and rate limits, before any HTTP function runs (Functions/Security)
builder.Services.AddServerlessTasks(builder.Configuration);
builder.Services.AddServerlessTasksTelemetry(builder.Configuration); // exporters by configuration; none: nothing recorded
builder.Build().Run();
