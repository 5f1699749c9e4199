// built by npm run build
