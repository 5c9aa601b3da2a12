// Runs past any short timeout.
module.exports.handler = async (event, context) => {
  console.log('going to sleep');
  await new Promise((r) => setTimeout(r, event.sleepMs || 30000));
  return 'woke up';
};
