import '@mantine/core/styles.css';
import './console.css';
import { Badge, MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

// Indigo 8 / gray 7 on white keep text and controls above WCAG AA contrast.
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
  defaultRadius: 'sm',
  components: {
    // Event types and statuses are identifiers: keep their case, never cut them short.
    Badge: Badge.extend({ styles: { root: { textTransform: 'none', maxWidth: 'none' }, label: { overflow: 'visible' } } }),
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <App />
    </MantineProvider>
  </StrictMode>,
);
