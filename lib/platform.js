'use strict'

/**
 * The napi-rs platform name of this process (`linux-x64-gnu`, ...): the
 * suffix of the addon file and of the platform package.
 */
function platformName () {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  return `${platform}-${arch}`
}

module.exports = { platformName }
