@description('App name.')
param name string

@description('Region.')
param location string

@description('Storage account used by the host and the Durable task hub (identity-based).')
param storageAccountName string

@description('Blob container URL for the deployment package.')
param deploymentContainerUrl string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Durable task hub name.')
param taskHubName string

@description('Maximum scale-out.')
param maximumInstanceCount int

@description('Memory per instance in MB.')
param instanceMemoryMB int

@description('Key Vault secret URI (no version) of the webhook signing secrets.')
param webhookSecretUri string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${name}'
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsightsConnectionString
        }
        {
          name: 'AzureFunctionsJobHost__extensions__durableTask__hubName'
          value: taskHubName
        }
        {
          name: 'AZURE_FUNCTIONS_ENVIRONMENT'
          value: 'Production'
        }
        {
          // A Key Vault reference: the platform resolves it with the app's identity (Key Vault Secrets User).
          name: 'Webhooks__Secrets'
          value: '@Microsoft.KeyVault(SecretUri=${webhookSecretUri})'
        }
        {
          // The task index, event journal and callback store on Azure Tables in the same account, shared by every
          // instance, through the identity settings of AzureWebJobsStorage above (Table Data Contributor).
          name: 'TaskIndex__Provider'
          value: 'tables'
        }
        {
          name: 'TaskIndex__Connection'
          value: 'AzureWebJobsStorage'
        }
      ]
    }
  }
}

@description('The app\'s managed identity.')
output principalId string = site.identity.principalId

@description('The app\'s host name.')
output defaultHostName string = site.properties.defaultHostName
