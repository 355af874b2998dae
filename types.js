'use strict'

// `require('mafalda/types')`: the classes and error classes at run time
// (what `mafalda.types` holds); the type names are in types.d.ts.
module.exports = require('./lib').types
