using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessTasks;

// Entry point of the Azure flavour (FunctionsHost=Azure): Microsoft's isolated worker with
// ASP.NET Core integration, as Microsoft documents it. The app's functions are the same files.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddServerlessTasks(builder.Configuration);
builder.Build().Run();
